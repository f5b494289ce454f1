import { type Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { podman } from "./support/host";
import { open } from "./support/ui";

const IDLE_IMAGE = "127.0.0.1:5000/demo/idle:latest";

function unique(prefix: string): string {
  return `${prefix}-${test.info().project.name}-${Date.now()}`;
}

/** Cleanup that must not hide the test's own failure. */
function quietly(...args: string[]) {
  try {
    podman(...args);
  } catch {
    // already gone
  }
}

function row(page: Page, name: string) {
  return page.locator(`[data-testid=object-row][data-name="${name}"]`);
}

async function createFromTheForm(page: Page, path: string, name: string) {
  await open(page, path);
  await page.getByTestId("new-name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByTestId("done")).toContainText(name);
  await expect(row(page, name)).toBeVisible();
}

async function askToRemove(page: Page, name: string) {
  await row(page, name).getByRole("link", { name: "Remove…" }).click();
  const confirm = row(page, name).getByTestId("confirm-remove");
  await expect(confirm).toContainText(name);
  await confirm.getByRole("button", { name: "Yes, remove" }).click();
}

for (const kind of ["volume", "network"] as const) {
  test(`a ${kind}: created, inspected, refused while in use, removed`, async ({ page }) => {
    const name = unique(`berth-e2e-${kind}`);
    const user = unique(`berth-e2e-${kind}-user`);
    const path = `/${kind}s`;
    try {
      await createFromTheForm(page, path, name);
      expect(podman(kind, "exists", name)).toBe("");

      await row(page, name).getByRole("link", { name }).click();
      await expect(page.getByTestId("object-name")).toHaveText(name);
      await expect(page.getByTestId("used-by")).toHaveText("No container.");
      await expect(page.getByTestId("raw")).toContainText(`"${name}"`);

      const attach = kind === "volume" ? ["-v", `${name}:/data`] : ["--network", name];
      podman("create", "--name", user, ...attach, IDLE_IMAGE);
      await open(page, path);
      await expect(row(page, name).getByTestId("used-by")).toContainText(user);
      await askToRemove(page, name);
      await expect(page.getByTestId("form-error")).toContainText(`is used by the container ${user}`);
      expect(podman(kind, "exists", name)).toBe("");

      podman("rm", "-f", user);
      await open(page, path);
      await askToRemove(page, name);
      await expect(row(page, name)).toHaveCount(0);
      expect(podman(kind, "ls", "--format", "{{.Name}}").split("\n")).not.toContain(name);
    } finally {
      quietly("rm", "-f", user);
      quietly(kind, "rm", "--force", name);
    }
  });
}

test("bad names are refused before Podman is asked", async ({ page }) => {
  await open(page, "/volumes");
  for (const bad of ["../x", "-rf", "x;id"]) {
    await page.getByTestId("new-name").fill(bad);
    await page.getByRole("button", { name: "Create" }).click();
    await expect(page.getByTestId("form-error")).toContainText("name");
  }
  expect(podman("volume", "ls", "--format", "{{.Name}}")).not.toMatch(/^(\.\.\/x|-rf|x;id)$/m);
});

test("a pod: listed, started, stopped, removed", async ({ page }) => {
  const name = unique("berth-e2e-pod");
  podman("pod", "create", "--name", name);
  try {
    await open(page, "/pods");
    await expect(row(page, name)).toBeVisible();
    await row(page, name).getByRole("button", { name: "Start" }).click();
    await expect(row(page, name).getByRole("button", { name: "Stop" })).toBeVisible();
    expect(podman("pod", "inspect", "--format", "{{.State}}", name)).toBe("Running");

    await row(page, name).getByRole("button", { name: "Stop" }).click();
    await expect(row(page, name).getByRole("button", { name: "Start" })).toBeVisible();

    await row(page, name).getByRole("link", { name }).click();
    await expect(page.getByTestId("object-name")).toHaveText(name);
    await page.getByRole("link", { name: "Remove…" }).click();
    const confirm = row(page, name).getByTestId("confirm-remove");
    await expect(confirm).toContainText(`Remove the pod ${name}?`);
    await confirm.getByRole("button", { name: "Yes, remove" }).click();
    await expect(row(page, name)).toHaveCount(0);
    expect(podman("pod", "ls", "--format", "{{.Name}}").split("\n")).not.toContain(name);
  } finally {
    quietly("pod", "rm", "-f", name);
  }
});
