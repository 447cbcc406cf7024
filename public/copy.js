// "Copy" buttons next to read-only fields (a new share link): they stay hidden without JavaScript,
// where the field itself can be selected and copied. Same-origin module under the strict CSP.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  if (!field || field.tagName !== 'INPUT' || !navigator.clipboard) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch {
      field.select();
      button.textContent = 'Press Ctrl+C to copy';
    }
    setTimeout(() => (button.textContent = label), 2000);
  });
}
