/* drip_plugin's service worker: shows each notification drip sends and
   opens its link when it is clicked. Served by drip (channels/push/service-worker.js)
   with the Service-Worker-Allowed header of PUSH_SERVICE_WORKER_SCOPE. */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    // Not drip's JSON: still shown, since a push the page subscribed to
    // "user visible only" must show a notification.
    data = { body: event.data.text() };
  }
  const options = { body: data.body || "", data: { url: data.url || "" } };
  if (data.icon) options.icon = data.icon;
  event.waitUntil(self.registration.showNotification(data.title || self.location.host, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
