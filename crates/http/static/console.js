// Copy buttons: <button data-copy="element-id"> copies that element's value or
// text. The Clipboard API needs a secure context (https or localhost); on plain
// http the text is selected instead so Ctrl+C / long-press copies it.
// Served from 'self' (the CSP allows no inline script).
(function () {
  function selectAll(el) {
    if (el.select) { el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function say(button, text) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    setTimeout(function () { button.textContent = label; }, 2500);
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var el = document.getElementById(button.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.value !== undefined ? el.value : el.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { say(button, "Copied"); },
          function () { selectAll(el); say(button, "Press Ctrl+C"); });
      } else {
        selectAll(el);
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
        say(button, copied ? "Copied" : "Selected: press Ctrl+C");
      }
    });
  });
})();
