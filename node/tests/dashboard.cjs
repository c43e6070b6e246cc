// Drives Debian's chromium with playwright-core against a running node's dashboard.
// Usage: node dashboard.cjs URL PLAYWRIGHT_CORE_DIR
// Prints "READY <height>" once the page shows the chain's current height, then waits until
// the page shows a higher height (the test produces a block) and prints one JSON line with
// what the page displays. Exits non-zero on any failure.
"use strict";
const [url, pwDir] = process.argv.slice(2);
const { chromium } = require(pwDir);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.ZKCREDIT_CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    const head = await (await fetch(url + "v1/head")).json();
    await page.waitForFunction((h) => Number(document.body.dataset.height) === h, head.height,
      { timeout: 20000 });
    console.log("READY " + head.height);
    await page.waitForFunction((h) => Number(document.body.dataset.height) > h, head.height,
      { timeout: 30000 });
    const shown = await page.evaluate(() => ({
      height: Number(document.body.dataset.height),
      members: document.getElementById("members").textContent,
      loans: document.querySelectorAll("#loans tbody tr").length,
      loanStatus: [...document.querySelectorAll("#loans tbody tr td:nth-child(2)")].map((t) => t.textContent),
      proposals: document.querySelectorAll("#proposals tbody tr").length,
      blocks: document.querySelectorAll("#blocks tbody tr").length,
      pool: document.getElementById("pool").textContent,
      error: document.getElementById("error").textContent,
    }));
    shown.pageErrors = errors;
    console.log(JSON.stringify(shown));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
