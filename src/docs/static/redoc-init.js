/*
 * Renders the API reference with Redoc (loaded just before this file) from the spec embedded in
 * the page as JSON. It lives in its own file rather than inline so that the pages run under a
 * Content-Security-Policy of script-src 'self', and it reads the spec from the page rather than
 * fetching it so that the static pages also work when opened from disk (file://).
 */
(function () {
  'use strict';
  var container = document.getElementById('redoc-container');
  var source = document.getElementById('api-spec');
  if (!container || !source) return;

  function report(message) {
    var alert = document.createElement('p');
    alert.className = 'docs-error';
    alert.setAttribute('role', 'alert');
    alert.textContent = message;
    container.insertBefore(alert, container.firstChild);
  }

  if (typeof window.Redoc === 'undefined') {
    report('The Redoc renderer did not load, so the API reference cannot be shown.');
    return;
  }
  var spec;
  try {
    spec = JSON.parse(source.textContent);
  } catch (error) {
    report('The embedded API description is not valid JSON: ' + error.message);
    return;
  }
  var options = {
    downloadDefinitionUrl: container.getAttribute('data-download-url'),
    downloadFileName: container.getAttribute('data-download-name'),
    expandResponses: '200',
    requiredPropsFirst: true,
  };
  window.Redoc.init(spec, options, container, function (error) {
    if (error) report('The API reference could not be rendered: ' + (error.message || String(error)));
  });
})();
