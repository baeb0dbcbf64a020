import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

// No vitest globals, so Testing Library's auto-cleanup is not registered: do it here.
afterEach(() => {
  cleanup();
  clearMocks();
});
