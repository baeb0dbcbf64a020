// Must stay the first import: sets up React Refresh in `vite dev` without an inline
// script (see vite.config.ts). It is an empty module in production builds.
import "@vitejs/plugin-react/preamble";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles/tokens.css";
import "./styles/base.css";
import { AuthProvider } from "./auth/AuthProvider";
import { ProjectGate } from "./ProjectGate";
import { Root } from "./Root";
import { viewFromHash } from "./route";

const container = document.getElementById("root");
if (!container) throw new Error("Latchkey: #root element missing from index.html");

const view = viewFromHash(window.location.hash);
const app = (
  <AuthProvider>
    <Root view={view} />
  </AuthProvider>
);

createRoot(container).render(<StrictMode>{view === "main" ? <ProjectGate>{app}</ProjectGate> : app}</StrictMode>);
