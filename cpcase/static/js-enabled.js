// Loaded (blocking) as the body opens, so GOV.UK Frontend's styles for JavaScript apply
// before the first paint. A file, not an inline script: the Content-Security-Policy
// allows scripts from this site only.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
