"""Starts Debian's wapiti 3.0.4 (as /usr/bin/wapiti does) with two changes, nothing else:

1. Its -x (exclude URL) option is broken on Python 3.11+: wapitiCore.net.crawler.wildcard_translate
   puts the inline flags "(?ms)" at the END of the pattern, which Python 3.11 refuses ("global
   flags not at the start of the expression"), so any -x crashes the crawler. The scan needs -x
   to keep away from the sign-out and delete forms; the pattern is rebuilt with the flags first.
2. It loads every attack module, selected or not, and the wapp module then downloads its
   Wappalyzer database from GitHub. Scans here reach 127.0.0.1 only: that download is disabled.

Usage: /usr/bin/python3 wapiti-launch.py [wapiti arguments...]
"""
import re
import sys

import wapitiCore.attack.mod_wapp as mod_wapp
import wapitiCore.net.crawler as crawler
from wapitiCore.main.wapiti import wapiti_main


def wildcard_translate(pattern):
    return re.compile("(?ms)" + "".join(".*" if char == "*" else re.escape(char) for char in pattern) + r"\Z")


def no_download(self):
    print("wapp database download disabled (scans reach 127.0.0.1 only)")


crawler.wildcard_translate = wildcard_translate
mod_wapp.mod_wapp.update = no_download
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
