// Page behaviour shared by every page. No inline scripts anywhere (CSP: script-src 'self').
(function () {
  "use strict";

  // On a phone the filter panel starts folded so the results come first.
  function foldFiltersOnSmallScreens() {
    var panel = document.getElementById("filter-panel");
    if (panel && window.matchMedia("(max-width: 820px)").matches) {
      panel.removeAttribute("open");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", foldFiltersOnSmallScreens);
  } else {
    foldFiltersOnSmallScreens();
  }
})();
