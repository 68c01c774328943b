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
  await assert.rejects(page.goto(url), /ERR_CERT_AUTHORITY_INVALID/, 'a fresh profile does not trust the certificate');
  await page.click('#details-button');
  await Promise.all([page.waitForURL(url), page.click('#proceed-link')]);
}
