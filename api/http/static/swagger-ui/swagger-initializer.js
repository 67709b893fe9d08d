// relance's Swagger UI set-up: an external file, so that /docs runs no inline script.
// The description is the app's own (relative URL: works behind a path prefix); no online validator.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
};
