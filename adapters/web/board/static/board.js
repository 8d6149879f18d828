// The board's only script: a changed filter applies at once (the button stays for keyboards
// and for browsers without script). No inline script anywhere: the CSP allows 'self' only.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.form && select.form.classList.contains("filters")) {
    select.form.requestSubmit();
  }
});
