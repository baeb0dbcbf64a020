import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, vi } from "vitest";

// No vitest globals, so Testing Library's auto-cleanup is not registered: do it here.
afterEach(() => {
  cleanup();
  clearMocks();
});

// Testing Library's waitFor/findBy* poll with setTimeout; under vitest's fake timers they would never fire. Testing
// Library advances fake timers itself when it finds `jest` (its name for the test runner's timer API): point that
// at vitest's. Real timers are untouched.
(globalThis as { jest?: unknown }).jest = { advanceTimersByTime: (ms: number) => vi.advanceTimersByTime(ms) };
