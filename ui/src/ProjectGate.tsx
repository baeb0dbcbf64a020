import { useEffect, useState, type ReactNode } from "react";
import * as bindings from "./auth/bindings";
import { isProjectState } from "./auth/types";
import { FirstRunScreen } from "./screens/FirstRunScreen";

/** The main window's start: with no Supabase project configured (a release build before anyone named one) the
 *  first-run screen asks for one; otherwise, and once it is set, the app. */
export function ProjectGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<"checking" | "missing" | "ready">("checking");
  useEffect(() => {
    let active = true;
    bindings
      .getProject()
      .then((project) => {
        if (active) setState(isProjectState(project) && !project.configured ? "missing" : "ready");
      })
      .catch(() => {
        if (active) setState("ready"); // the app shows its own errors
      });
    return () => {
      active = false;
    };
  }, []);
  if (state === "checking") return null;
  if (state === "missing") return <FirstRunScreen onConnected={() => setState("ready")} />;
  return <>{children}</>;
}
