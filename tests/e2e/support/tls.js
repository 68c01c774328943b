// Accepting a self-signed certificate as a person does, in a browser that
// trusts nothing lancall made.
import assert from 'node:assert/strict';

/**
 * Open `url`: the browser refuses the certificate and shows its warning;
 * choose "Advanced", then "Proceed". Later loads of that host in the same
 * browser go through.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
export async function acceptCertificate(page, url) {
  // A Chromium started in a network namespace made a moment before can see
  // its network settle and fail one load with ERR_NETWORK_CHANGED: load
  // again, as a person would.
  /** @type {unknown} */
  let refused = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    refused = await page.goto(url).then(() => null, (e) => e);
    if (!String(/** @type {any} */ (refused)?.message).includes('ERR_NETWORK_CHANGED')) break;
  }
  assert.match(String(/** @type {any} */ (refused)?.message), /ERR_CERT_AUTHORITY_INVALID/, 'a fresh profile does not trust the certificate');
  await page.click('#details-button');
  await Promise.all([page.waitForURL(url), page.click('#proceed-link')]);
}
