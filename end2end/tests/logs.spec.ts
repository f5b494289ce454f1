import { expect, test } from "./support/fixtures";
import { podman } from "./support/host";
import { open } from "./support/ui";

const IDLE_IMAGE = "127.0.0.1:5000/demo/idle:latest";
const HOSTILE = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;

/**
 * A running container that printed known lines, to standard output and error, with a
 * colour escape and markup among them, then waits.
 */
async function printingContainer(): Promise<string> {
  const name = `berth-e2e-logs-${test.info().project.name}-${Date.now()}`;
  const script = [
    "echo first-line",
    `printf '%s\\n' "$HOSTILE"`,
    "printf '\\033[31mred-text\\033[0m\\n'",
    "echo oops-on-stderr >&2",
    "echo last-line",
    "exec sleep 2147483647",
  ].join("; ");
  podman("run", "-d", "--name", name, "-e", `HOSTILE=${HOSTILE}`, IDLE_IMAGE, "sh", "-c", script);
  // The lines are written as the container starts: wait for them, not for a time.
  await expect.poll(() => podman("logs", name), { timeout: 10_000 }).toContain("last-line");
  return name;
}

test("a container's log lines are text, stderr is marked, colours are stripped", async ({ page }) => {
  const name = await printingContainer();
  try {
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs += 1;
      void d.dismiss();
    });
    await open(page, `/containers/${name}`);
    await page.getByTestId("logs-link").click();
    await expect(page).toHaveURL(new RegExp(`/containers/${name}/logs`));
    const log = page.getByTestId("log");
    const lines = log.getByTestId("log-line");
    await expect(lines.filter({ hasText: "first-line" })).toHaveCount(1);
    await expect(page.getByTestId("log-count")).toHaveText("5 lines");

    // Markup is shown as typed and runs nothing.
    await expect(lines.filter({ hasText: HOSTILE })).toHaveCount(1);
    expect(await log.locator("img, script").count()).toBe(0);
    await expect(page).not.toHaveTitle("pwned");
    expect(dialogs).toBe(0);

    // The escape sequence is gone, the words stay.
    const red = lines.filter({ hasText: "red-text" });
    await expect(red.locator(".text")).toHaveText("red-text");

    // Standard error is marked as such; standard output is not.
    await expect(lines.filter({ hasText: "oops-on-stderr" })).toHaveClass(/\berr\b/);
    await expect(lines.filter({ hasText: "first-line" })).not.toHaveClass(/\berr\b/);

    // Search keeps the matching lines (the form works without JavaScript too).
    await page.getByTestId("log-search").fill("OOPS");
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page.getByTestId("log-count")).toHaveText("1 line");
    await expect(lines).toHaveCount(1);
    await expect(lines.first()).toContainText("oops-on-stderr");
  } finally {
    podman("rm", "-f", "-t", "0", name);
  }
});

test("the last N lines, and the log downloaded as text", async ({ page }) => {
  const name = await printingContainer();
  try {
    await open(page, `/containers/${name}/logs?tail=100`);
    await expect(page.getByTestId("log-count")).toHaveText("5 lines");

    const download = page.getByTestId("download-logs");
    const href = (await download.getAttribute("href")) ?? "";
    expect(href).toBe(`/api/logs/${name}`);
    const response = await page.request.get(href);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^text\/plain/);
    expect(response.headers()["content-disposition"]).toContain(`${name}.log`);
    const text = await response.text();
    // Standard error and output are separate pipes: their lines' order may differ.
    const got = text.split("\n").filter((l) => l !== "");
    expect(got.sort()).toEqual(["first-line", HOSTILE, "red-text", "oops-on-stderr", "last-line"].sort());
  } finally {
    podman("rm", "-f", "-t", "0", name);
  }
});

test("logs of a container that does not exist: a clear page", async ({ page }) => {
  const response = await page.goto("/containers/berth-e2e-no-such-container/logs");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("container-gone")).toContainText("no longer exists");
});
