// Starts Swagger UI on /docs over the OpenAPI description beside the page (a file, not an inline script).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
