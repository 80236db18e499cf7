// Progressive enhancement for the server-rendered account pages: each form posts its fields as
// JSON to its endpoint (the API accepts JSON only) and shows the result in its status line.
for (const form of document.querySelectorAll("form[data-endpoint]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector(".status");
    const body = Object.fromEntries(new FormData(form).entries());
    const res = await fetch(form.dataset.endpoint, {
      method: "POST",
      headers: Object.keys(body).length ? { "content-type": "application/json" } : {},
      body: Object.keys(body).length ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    if (res.ok) {
      // "/" with the page's query: the server sends a logged-in person to a safe `next` or the app.
      if (form.dataset.reload) location.assign(`/${location.search}`);
      else if (status) status.textContent = form.dataset.done ?? "";
      form.reset();
      return;
    }
    let message = form.dataset.failed ?? "Error";
    try {
      const err = await res.json();
      if (err?.error?.message) message = `${message}: ${err.error.message}`;
    } catch {}
    if (status) status.textContent = message;
  });
}
