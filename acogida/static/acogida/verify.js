// The public verification page: read a card's QR code with the device camera (jsQR, served from
// this app's own static files, loaded only when asked) and submit the form as if pasted.
// Without JavaScript, or without a camera, the text area and the button still work.
(function () {
  "use strict";

  var verdict = document.getElementById("verdict");
  if (verdict) verdict.focus();

  var box = document.getElementById("scan");
  if (!box) return;
  var media = navigator.mediaDevices;
  var start = document.getElementById("scan-start");
  var status = document.getElementById("scan-status");

  function say(key) { status.textContent = box.dataset[key] || ""; }

  if (!media || !media.getUserMedia) {
    if (!window.isSecureContext) {  // browsers offer the camera only over https (or localhost)
      box.hidden = false;
      start.hidden = true;
      say("msgInsecure");
    }
    return;
  }
  box.hidden = false;

  var form = document.getElementById("verify-form");
  var text = document.getElementById("qr-payload");
  var stop = document.getElementById("scan-stop");
  var view = document.getElementById("scan-view");
  var video = document.getElementById("scan-video");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = 0;
  var loading = null;

  function decoder() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = box.dataset.decoder;
        script.onload = function () {
          if (window.jsQR) resolve(window.jsQR); else reject(new Error("no decoder"));
        };
        script.onerror = function () { loading = null; reject(new Error("no decoder")); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function halt() {
    if (timer) clearTimeout(timer);
    timer = 0;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    start.hidden = false;
  }

  function look() {
    timer = 0;
    if (!stream) return;
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      // A frame at most 800 pixels wide: enough for a 30 mm code held near the lens, and quick.
      var scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                             { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        halt();
        text.value = code.data;
        say("msgRead");
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
        return;
      }
    }
    timer = setTimeout(look, 150);
  }

  start.addEventListener("click", function () {
    say("msgStarting");
    decoder()
      .then(function () {
        return media.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
      })
      .then(function (camera) {
        stream = camera;
        video.srcObject = camera;
        return video.play();
      })
      .then(function () {
        view.hidden = false;
        start.hidden = true;
        say("msgAim");
        look();
      })
      .catch(function (error) {
        halt();
        say(error && error.name === "NotAllowedError" ? "msgDenied" : "msgNoCamera");
      });
  });
  stop.addEventListener("click", function () { halt(); say("msgStopped"); start.focus(); });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && stream) { halt(); say("msgStopped"); }
  });
})();
