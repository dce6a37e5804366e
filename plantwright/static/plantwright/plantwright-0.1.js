// Behaviour that would otherwise be inline (the Content-Security-Policy allows no inline script).
// A <select data-autosubmit> sends its form as soon as a choice is made (site pickers).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]") && event.target.form) {
    event.target.form.requestSubmit();
  }
});
