/* Language switch: keep the page's own path and query (site, node, range, pod…) and only set
 * `lang`; the server remembers the choice in a cookie. Plain links ("?lang=xx") are the fallback. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a.lang-link") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("lang", link.getAttribute("lang"));
    window.location.assign(url.toString());
  });
})();
