import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinScanner } from '../../../src/media/scanner/builtin-scanner.js';
import {
  EICAR,
  HTML_PAGE,
  makeImage,
  makeJpegHtmlPolyglot,
  makeJpegWithMetadata,
  makeJpegWithPhpPayload,
  makePhotoJpeg,
  makeTempDir,
  SVG_WITH_SCRIPT,
  writeFixture,
} from '../../support/images.js';

const scanner = new BuiltinScanner();
let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

async function scan(data: Buffer | string): Promise<Awaited<ReturnType<BuiltinScanner['scanFile']>>> {
  return scanner.scanFile(await writeFixture(dir, 'upload.bin', data));
}

describe('BuiltinScanner: clean files', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'avif'] as const)('passes a %s image', async (format) => {
    expect(await scan(await makeImage(format))).toEqual({ clean: true });
  });

  it('passes a camera-sized photo with EXIF and XMP', async () => {
    expect(await scan(await makePhotoJpeg(3000, 2000))).toEqual({ clean: true });
    expect(await scan(await makeJpegWithMetadata())).toEqual({ clean: true });
  });

  it('answers ping', async () => {
    await expect(scanner.ping()).resolves.toBeUndefined();
    expect(scanner.name).toBe('builtin');
  });
});

describe('BuiltinScanner: hostile files', () => {
  it('finds the EICAR test string anywhere in a file', async () => {
    expect(await scan(EICAR)).toEqual({ clean: false, signature: 'Photovault.Eicar-Test-Signature' });
    const buried = Buffer.concat([await makeImage('jpeg'), Buffer.from(EICAR), Buffer.alloc(100_000, 1)]);
    expect(await scan(buried)).toMatchObject({ clean: false, signature: 'Photovault.Eicar-Test-Signature' });
  });

  it.each([
    ['<?php system($_GET[1]); ?>', 'Photovault.Php'],
    ['<?= `id` ?>', 'Photovault.Php'],
    ['<%@ page import="java.io.*" %>', 'Photovault.Server-Template'],
    ['<% eval request("x") %>', 'Photovault.Server-Template'],
    ['<ScRiPt>alert(1)</script>', 'Photovault.Html.Script'],
    ['<HTML>\n<body>', 'Photovault.Html.Document'],
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'Photovault.Html.Svg'],
    ['<a href="JavaScript:alert(1)">', 'Photovault.Javascript-Url'],
    ['<img src=x onerror = alert(1)>', 'Photovault.Html.Event-Handler'],
    ['<iframe src="//evil.example">', 'Photovault.Html.Embed'],
  ])('refuses %j', async (payload, signature) => {
    const file = Buffer.concat([await makeImage('png'), Buffer.from(payload)]);
    expect(await scan(file)).toEqual({ clean: false, signature });
  });

  it('refuses SVG, HTML, a JPEG/HTML polyglot and a JPEG carrying PHP', async () => {
    expect((await scan(SVG_WITH_SCRIPT)).clean).toBe(false);
    expect((await scan(HTML_PAGE)).clean).toBe(false);
    expect((await scan(await makeJpegHtmlPolyglot())).clean).toBe(false);
    expect(await scan(await makeJpegWithPhpPayload())).toMatchObject({ clean: false, signature: 'Photovault.Php' });
  });

  it('finds a marker split across the boundary between two read chunks', async () => {
    const chunk = 64 * 1024;
    for (const split of [1, 3, 5]) {
      const marker = '<?php ';
      const data = Buffer.concat([Buffer.alloc(chunk - split, 0x20), Buffer.from(marker), Buffer.alloc(chunk, 0x20)]);
      expect(await scan(data)).toMatchObject({ clean: false, signature: 'Photovault.Php' });
    }
    const eicarAcross = Buffer.concat([Buffer.alloc(chunk * 3 - 30, 0x41), Buffer.from(EICAR)]);
    expect(await scan(eicarAcross)).toMatchObject({ signature: 'Photovault.Eicar-Test-Signature' });
  });

  it('does not treat bare two-byte openers in binary data as templates', async () => {
    const data = Buffer.concat([await makeImage('jpeg'), Buffer.from('<%\x00\x91<?=\x13\x07')]);
    expect(await scan(data)).toEqual({ clean: true });
  });
});
