// A scanned QR code opens /credentials/verify#OVC1....: the payload is in the fragment, which
// browsers never send to a server. Put it in the form and submit it (a POST, so it stays out
// of addresses and access logs). Without JavaScript the visitor pastes the code instead.
(function () {
  "use strict";
  var hash = window.location.hash.slice(1);
  if (hash.indexOf("OVC1.") !== 0) {
    return;
  }
  var form = document.getElementById("verify-form");
  var field = document.getElementById("field-payload");
  if (!form || !field) {
    return;
  }
  field.value = decodeURIComponent(hash);
  window.history.replaceState(null, "", window.location.pathname);
  form.submit();
})();
