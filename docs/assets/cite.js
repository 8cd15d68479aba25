// "Cite this page": shows the copy button (hidden without JavaScript), puts today's date in as
// the date accessed, and copies the citation. Works offline and from file://.
(function () {
  "use strict";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function today() {
    var d = new Date();
    return d.getFullYear() + " " + MONTHS[d.getMonth()] + " " + d.getDate();
  }

  function prepare() {
    document.querySelectorAll(".cite-page").forEach(function (block) {
      var accessed = block.querySelector(".cite-page-accessed");
      if (accessed) accessed.textContent = "Accessed: " + today() + ".";
      var button = block.querySelector(".cite-page-copy");
      if (button) button.hidden = false;
    });
  }

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".cite-page-copy");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".cite-page-status");
    if (!source) return;
    copy(source.textContent.replace(/\s+/g, " ").trim()).then(
      function () { if (status) status.textContent = "Citation copied."; },
      function () { if (status) status.textContent = "Copying failed: select the citation and copy it."; }
    );
  });

  // Material's instant navigation swaps pages without a reload: document$ emits each time.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(prepare);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prepare);
  } else {
    prepare();
  }
})();
