import { useCallback, useEffect, useState } from "react";
import type { AuthError, SettingsReport } from "../auth/types";
import { useSettings } from "../auth/useActions";
import { Notice } from "../components/Notice";

/** The settings report (`get_settings`), loaded on mount; `reload` after saving. */
export function useSettingsReport() {
  const { getSettings } = useSettings();
  const [report, setReport] = useState<SettingsReport | null>(null);
  const [error, setError] = useState<AuthError | null>(null);
  const reload = useCallback(async () => {
    const result = await getSettings();
    if (result.ok) {
      setReport(result.value);
      setError(null);
    } else {
      setError(result.error);
    }
  }, [getSettings]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { report, error, reload };
}

/** Whether an organization policy applies and from which file, or what is wrong with it; and its warnings. */
export function PolicyStatus({ report }: { report: SettingsReport }) {
  return (
    <>
      {report.error ? (
        <Notice id="policy-error" kind="error">
          <strong>Your organization's policy is invalid, so signing in is disabled.</strong> {report.error}
        </Notice>
      ) : (
        <p id="policy-status" className="section-hint">
          {report.present ? `Organization policy applied from ${report.file}.` : "No organization policy is set on this computer."}
        </p>
      )}
      {report.warnings.map((w) => (
        <Notice key={w} kind="info">
          {w}
        </Notice>
      ))}
    </>
  );
}

/** On the sign-in screen: the invalid policy, named, when there is one (nothing otherwise). */
export function PolicyErrorNotice() {
  const { report } = useSettingsReport();
  return report?.error ? <PolicyStatus report={{ ...report, warnings: [] }} /> : null;
}
