import { expect, test } from "./support/fixtures";
import { podman } from "./support/host";
import { loadAdmin } from "./support/state";
import { confirmItsMe, open } from "./support/ui";

const IDLE_IMAGE = "127.0.0.1:5000/demo/idle:latest";

/** A container made from the command line, removed after the test. */
function makeContainer(prefix: string, ...flags: string[]): string {
  const name = `${prefix}-${test.info().project.name}-${Date.now()}`;
  podman("create", "--name", name, ...flags, IDLE_IMAGE);
  return name;
}

function state(name: string): string {
  return podman("inspect", "--format", "{{.State.Status}}", name);
}

test("the list shows a container made from the command line, found by search", async ({ page }) => {
  const name = makeContainer("berth-e2e-list", "--restart", "unless-stopped");
  try {
    await open(page, `/containers?q=${name}`);
    const row = page.locator(`[data-testid=container-row][data-name="${name}"]`);
    await expect(row).toBeVisible();
    await expect(row.getByTestId("state")).toHaveText("created");
    await expect(row.getByTestId("restart")).toHaveText("unless-stopped");
    await expect(page.getByTestId("container-count")).toHaveText(/^1 (of \d+ containers|container)$/);
  } finally {
    podman("rm", "-f", name);
  }
});

test("hostile label text is shown as text and runs nothing", async ({ page }) => {
  const hostile = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
  const name = makeContainer("berth-e2e-hostile", "--label", `com.docker.compose.project=${hostile}`);
  try {
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs += 1;
      void d.dismiss();
    });
    await open(page, `/containers?q=${name}`);
    const row = page.locator(`[data-testid=container-row][data-name="${name}"]`);
    await expect(row).toContainText(hostile);
    await expect(page).not.toHaveTitle("pwned");
    expect(await row.locator("img, script").count()).toBe(0);
    expect(dialogs).toBe(0);
  } finally {
    podman("rm", "-f", name);
  }
});

test("start, stop, and remove after a confirmation that names the container", async ({ page }) => {
  const name = makeContainer("berth-e2e-act");
  try {
    await open(page, `/containers?q=${name}`);
    const row = page.locator(`[data-testid=container-row][data-name="${name}"]`);
    await row.getByRole("button", { name: "Start" }).click();
    await expect(row.getByTestId("state")).toHaveText("running");
    expect(state(name)).toBe("running");

    await row.getByRole("button", { name: "Stop" }).click();
    await expect(row.getByTestId("state")).not.toHaveText("running");

    await row.getByRole("link", { name: "Remove…" }).click();
    const confirm = page.locator(`[data-testid=container-row][data-name="${name}"]`).getByTestId("confirm-remove");
    await expect(confirm).toContainText(`Remove ${name}?`);
    await confirm.getByRole("button", { name: "Yes, remove" }).click();
    await expect(page.locator(`[data-testid=container-row][data-name="${name}"]`)).toHaveCount(0);
    expect(podman("ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Names}}")).toBe("");
  } finally {
    podman("rm", "-f", "--ignore", name);
  }
});

test("the detail page hides secret-looking values until the admin confirms it's them", async ({ page }) => {
  const name = makeContainer("berth-e2e-detail", "--restart", "always", "-e", "API_TOKEN=s3cr3t-value", "-e", "MODE=prod");
  try {
    await open(page, `/containers?q=${name}`);
    await page.getByRole("link", { name }).click();
    await expect(page.getByTestId("container-name")).toHaveText(name);
    await expect(page.getByTestId("restart-policy")).toHaveText("always");
    const env = page.getByTestId("env");
    await expect(env).toContainText("MODE");
    await expect(env).toContainText("prod");
    await expect(env.getByTestId("masked")).toHaveCount(1);
    await expect(page.locator("body")).not.toContainText("s3cr3t-value");

    const revealed = `/containers/${name}?reveal=1`;
    await confirmItsMe(page, loadAdmin(), revealed);
    await expect(page.getByTestId("env")).toContainText("s3cr3t-value");

    podman("rm", "-f", name);
    const response = await page.goto(`/containers/${name}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByTestId("container-gone")).toContainText("no longer exists");
  } finally {
    podman("rm", "-f", "--ignore", name);
  }
});

test("hostile env values, labels and commands are shown as typed on the detail page", async ({ page }) => {
  const script = `<script>document.title='pwned'</script>`;
  const link = "javascript:document.title='pwned'";
  const rtl = "invoice\u202Egnp.exe";
  const escape = "\u001b]0;pwned\u0007\u001b[31mred";
  const name = makeContainer("berth-e2e-hostile-detail", "-e", `NOTE=${script}`, "--label", `homepage=${link}`, "--label", `file=${rtl}`, "--label", `term=${escape}`);
  try {
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs += 1;
      void d.dismiss();
    });
    await open(page, `/containers/${name}`);
    await expect(page.getByTestId("env")).toContainText(script);
    const labels = page.getByTestId("labels");
    await expect(labels).toContainText(link);
    // A right-to-left override would make the name read "invoiceexe.png": it is shown
    // as its code point instead.
    await expect(labels).toContainText("invoice[U+202E]gnp.exe");
    expect(await labels.textContent()).not.toContain(rtl);
    // Terminal escapes are removed; the words stay.
    const term = labels.locator("tr", { hasText: "term" }).locator("td").nth(1);
    await expect(term).toHaveText("red");
    expect(await page.locator("main script, main img, a[href^='javascript']").count()).toBe(0);
    await expect(page).not.toHaveTitle("pwned");
    expect(dialogs).toBe(0);
  } finally {
    podman("rm", "-f", name);
  }
});
