/* drip_plugin web push, the page's side. Loaded by {% drip_push_script %},
   which puts the settings on this script tag. Elements with
   data-drip-push="subscribe" / "unsubscribe" become the opt-in and opt-out
   buttons: nothing is asked of the browser until one is clicked. The
   subscribe button's data-drip-push-consent (or its text) is the wording
   kept as proof of the opt-in; [data-drip-push-status] shows the state. */
(function () {
  "use strict";
  const config = document.currentScript.dataset;
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const cookie = document.cookie.split("; ").find((item) => item.startsWith((config.csrfCookie || "csrftoken") + "="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
  }

  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error("drip push: " + url + " answered " + response.status);
    return response.json();
  }

  async function currentSubscription() {
    const registration = await navigator.serviceWorker.getRegistration(config.scope);
    return registration ? registration.pushManager.getSubscription() : null;
  }

  async function subscribe(consentText) {
    if ((await Notification.requestPermission()) !== "granted") throw new Error("notifications not allowed");
    await navigator.serviceWorker.register(config.serviceWorker, { scope: config.scope });
    const registration = await navigator.serviceWorker.ready;
    const subscription = (await registration.pushManager.getSubscription())
      || (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(config.publicKey) }));
    try {
      await post(config.subscribeUrl, { subscription: subscription.toJSON(), consent_text: consentText, source: location.pathname });
    } catch (error) {
      await subscription.unsubscribe(); // not stored: leave no subscription behind
      throw error;
    }
    return subscription;
  }

  async function unsubscribe() {
    const subscription = await currentSubscription();
    if (!subscription) return false;
    await post(config.unsubscribeUrl, { endpoint: subscription.endpoint });
    return subscription.unsubscribe();
  }

  function show(state) {
    document.querySelectorAll("[data-drip-push=subscribe]").forEach((el) => { el.hidden = state !== "off" && state !== "failed"; });
    document.querySelectorAll("[data-drip-push=unsubscribe]").forEach((el) => { el.hidden = state !== "on"; });
    document.querySelectorAll("[data-drip-push-status]").forEach((el) => {
      el.dataset.dripPushStatus = state;
      el.textContent = el.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)] || "";
    });
  }

  async function refresh() {
    show(!supported ? "unsupported" : (await currentSubscription()) ? "on" : "off");
  }

  function act(button, action) {
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        await action(button);
      } catch (error) {
        console.warn(error);
        show(Notification.permission === "denied" ? "denied" : "failed");
        return;
      } finally {
        button.disabled = false;
      }
      await refresh();
    });
  }

  function start() {
    document.querySelectorAll("[data-drip-push=subscribe]").forEach((button) =>
      act(button, () => subscribe((button.dataset.dripPushConsent || button.textContent).trim())));
    document.querySelectorAll("[data-drip-push=unsubscribe]").forEach((button) => act(button, unsubscribe));
    refresh();
  }

  window.DripPush = { subscribe, unsubscribe, supported };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
