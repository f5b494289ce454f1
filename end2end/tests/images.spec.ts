import { expect, runsScripts, test } from "./support/fixtures";
import { podman } from "./support/host";
import { open } from "./support/ui";

const REGISTRY = "127.0.0.1:5000";
const IDLE_IMAGE = `${REGISTRY}/demo/idle:latest`;

/**
 * An image only the registry has: a layer of its own (so the pull downloads a blob),
 * pushed and then removed from the user's store.
 */
function imageOnlyInTheRegistry(): string {
  const stamp = `${test.info().project.name}-${Date.now()}`;
  const reference = `${REGISTRY}/demo/pulled:${stamp}`;
  const builder = `berth-e2e-build-${stamp}`;
  podman("run", "--name", builder, IDLE_IMAGE, "sh", "-c", `echo ${stamp} > /stamp`);
  try {
    podman("commit", "--quiet", builder, reference);
  } finally {
    podman("rm", "-f", builder);
  }
  podman("push", "--quiet", "--tls-verify=false", reference);
  podman("rmi", reference);
  return reference;
}

test("pull from a registry with progress, then remove the image", async ({ page }) => {
  const reference = imageOnlyInTheRegistry();
  try {
    await open(page, "/images");
    await page.getByTestId("pull-reference").fill(reference);
    await page.getByRole("button", { name: "Pull", exact: true }).click();
    await page.waitForURL(/\/images\/pulls\/\d+$/);
    const state = page.getByTestId("pull-state");
    if (runsScripts(page)) {
      // The page follows the pull by itself.
      await expect(state).toHaveAttribute("data-state", "done", { timeout: 30_000 });
    } else {
      await expect(async () => {
        await page.reload();
        await expect(state).toHaveAttribute("data-state", "done", { timeout: 1_000 });
      }).toPass({ timeout: 30_000 });
    }
    await expect(page.getByTestId("pull-lines")).toContainText(/Copying blob|Writing manifest/);
    expect(podman("image", "exists", reference)).toBe("");

    await page.getByRole("link", { name: "← Images" }).click();
    const row = page.locator(`[data-testid=image-row][data-tags~="${reference}"]`);
    await expect(row).toBeVisible();
    await row.getByRole("link", { name: "Remove…" }).click();
    const confirm = page.locator(`[data-testid=image-row][data-tags~="${reference}"]`).getByTestId("confirm-remove");
    await expect(confirm).toContainText(`Remove ${reference}?`);
    await confirm.getByRole("button", { name: "Yes, remove" }).click();
    await expect(page.locator(`[data-testid=image-row][data-tags~="${reference}"]`)).toHaveCount(0);
    expect(podman("images", "--format", "{{.Repository}}:{{.Tag}}")).not.toContain(reference);
  } finally {
    podman("rmi", "--ignore", reference);
  }
});

test("a pull of an image that does not exist fails with the registry's reason", async ({ page }) => {
  await open(page, "/images");
  await page.getByTestId("pull-reference").fill(`${REGISTRY}/demo/no-such-image:nope`);
  await page.getByRole("button", { name: "Pull", exact: true }).click();
  await page.waitForURL(/\/images\/pulls\/\d+$/);
  const state = page.getByTestId("pull-state");
  await expect(async () => {
    if (!runsScripts(page)) await page.reload();
    await expect(state).toHaveAttribute("data-state", "failed", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(state).toContainText("The pull failed");
  await expect(state).toContainText(/not found|unknown/i);
});

test("a bad image reference is refused before Podman is asked", async ({ page }) => {
  await open(page, "/images");
  await page.getByTestId("pull-reference").fill("Not A Reference!");
  await page.getByRole("button", { name: "Pull", exact: true }).click();
  await expect(page.getByTestId("form-error")).toContainText("image reference");
});

test("removing an image in use is refused, naming the container", async ({ page }) => {
  const name = `berth-e2e-uses-${test.info().project.name}-${Date.now()}`;
  podman("create", "--name", name, IDLE_IMAGE);
  try {
    await open(page, "/images");
    const row = page.locator(`[data-testid=image-row][data-tags~="${IDLE_IMAGE}"]`);
    await expect(row.getByTestId("used-by")).toContainText(name);
    await row.getByRole("link", { name: "Remove…" }).click();
    await page.locator(`[data-testid=image-row][data-tags~="${IDLE_IMAGE}"]`).getByRole("button", { name: "Yes, remove" }).click();
    await expect(page.getByTestId("form-error")).toContainText(name);
    expect(podman("image", "exists", IDLE_IMAGE)).toBe("");
    expect(podman("container", "exists", name)).toBe("");
  } finally {
    podman("rm", "-f", "--ignore", name);
  }
});
