import { App } from "./App";
import { useSession } from "./auth/useSession";
import { useRenderTrace } from "./hooks/useRenderTrace";
import type { WindowView } from "./route";
import { ActivityWindow } from "./screens/ActivityWindow";

/** The whole UI of one window: the main app, or the read-only activity window. */
export function Root({ view }: { view: WindowView }) {
  const { status } = useSession();
  useRenderTrace(status);
  return view === "activity" ? <ActivityWindow /> : <App />;
}
