// Hikeshi's small progressive enhancements. Every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Copy buttons beside one-time secrets.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    var field = document.getElementById(b.dataset.copy);
    if (!field || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        b.textContent = b.dataset.done || b.textContent;
      }, function () {
        field.select();
      });
    });
  });
  // Ask before destructive actions.
  document.addEventListener("submit", function (e) {
    var f = e.target.closest("form[data-confirm]");
    if (f && !window.confirm(f.dataset.confirm)) e.preventDefault();
  });
  // Select a one-time secret when it gets focus, ready to copy.
  document.querySelectorAll("input.secret").forEach(function (i) {
    i.addEventListener("focus", function () { i.select(); });
  });
});
