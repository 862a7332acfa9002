// Copy buttons: <button data-copy="input-id">. Loaded from 'self' (the CSP allows no inline script).
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById(button.getAttribute("data-copy"));
    input.select();
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = "Copied";
    });
  });
});
