/*
 * docs/www/docs-init.js: starts Swagger UI on /api/docs with our settings
 * (kept out of docs.html so that a strict Content-Security-Policy without
 * 'unsafe-inline' still works).  nginx serves it as /api/docs/init.js.
 */
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    filter: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: 'BaseLayout'
  });
});
