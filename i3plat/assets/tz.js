/* The viewer's time zone for times the server writes ("since …", "updated …", log times): the
 * browser's IANA name goes in the `i3plat_tz` cookie, read with every layout and callback request.
 * Dash loads this file before its renderer asks for the layout, so even the first view has it.
 * Over https the cookie is also sent from a portal's iframe (SameSite=None, partitioned). */
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }
  var value = "i3plat_tz=" + zone;  // checked above: only cookie-safe characters
  if (document.cookie.split("; ").indexOf(value) !== -1) {
    return;
  }
  var attrs = "; path=/; max-age=31536000";
  attrs += window.location.protocol === "https:" ? "; SameSite=None; Secure; Partitioned" : "; SameSite=Lax";
  document.cookie = value + attrs;
})();
