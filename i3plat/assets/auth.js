/* I3Plat kiosk/embed tokens: a TV or portal iframe opens `…?token=…` and has no session.
 * Dash's own requests (layout, dependencies, callbacks) do not carry the page's query string,
 * so this adds the token as the `X-I3Plat-Token` header to same-origin `/_dash-*` requests.
 * The token is remembered for the tab's life, so client-side navigation keeps working.
 */
(function () {
  "use strict";

  var HEADER = "X-I3Plat-Token";
  var remembered = null;

  function currentToken() {
    var now = new URLSearchParams(window.location.search).get("token");
    if (now) {
      remembered = now;
    }
    return remembered;
  }

  var original = window.fetch;
  if (typeof original !== "function") {
    return;
  }
  currentToken();

  window.fetch = function (input, init) {
    var token = currentToken();
    if (!token) {
      return original.apply(this, arguments);
    }
    var url = typeof input === "string" ? input : (input && input.url) || String(input);
    var target;
    try {
      target = new URL(url, window.location.href);
    } catch (e) {
      return original.apply(this, arguments);
    }
    if (target.origin !== window.location.origin || target.pathname.indexOf("/_dash-") < 0) {
      return original.apply(this, arguments);
    }
    var options = Object.assign({}, init || {});
    var headers = new Headers(options.headers || (typeof input !== "string" && input.headers) || {});
    headers.set(HEADER, token);
    options.headers = headers;
    return original.call(this, input, options);
  };
})();
