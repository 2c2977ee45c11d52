// Checks an answer form in the page before it is sent (the server checks it again, and alone without script):
// each field's constraints come from the question's JSON Schema, rendered as HTML attributes. Listens on the document,
// so forms the inbox swaps in later are checked too, and before the inbox's own handler (it skips prevented events).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('answer')) return;
  let first;
  for (const field of form.querySelectorAll('input, select, textarea')) {
    if (field.type === 'hidden') continue;
    const message = document.getElementById(`${field.id}-error`);
    const valid = field.checkValidity();
    field.setAttribute('aria-invalid', valid ? 'false' : 'true');
    if (message) {
      message.textContent = valid ? '' : field.validationMessage;
      message.hidden = valid;
    }
    if (!valid && !first) first = field;
  }
  const summary = form.querySelector('.form-error');
  if (first) {
    event.preventDefault();
    if (summary) {
      summary.textContent = 'Some answers need another look.';
      summary.hidden = false;
    }
    first.focus();
  }
});
