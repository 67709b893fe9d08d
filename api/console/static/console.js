// relance console: the only script, and no business rule in it. Chromium keeps even no-store pages in its
// back/forward cache, so after signing out the back button would show the last page as it was; such a page
// is hidden and asked again from the server, which answers it only to a live session.
addEventListener("pageshow", (event) => {
  if (event.persisted) {
    document.documentElement.hidden = true;
    location.reload();
  }
});
