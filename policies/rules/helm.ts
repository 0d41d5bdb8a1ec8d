// Helm charts are pinned, so a preview today and an update tomorrow install the same chart.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_CHART_TYPES } from "./lib/k8s";
import { validateTypes } from "./lib/rule";
import { isUnknown, str } from "./lib/values";

export const helmChartPinned: ResourceValidationPolicy = {
  name: "helm-chart-version-pinned",
  description: "Helm charts (helm.v4.Chart, helm.v3.Release) must pin an exact chart version; without one Helm installs whatever is newest.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set `version` to the exact chart version the kit pins (a published release), not a range.",
  validateResource: validateTypes([...HELM_CHART_TYPES], {}, (props, _cfg, args, report) => {
    const v = props["version"];
    if (isUnknown(v)) return;
    const version = (str(v) ?? "").trim();
    const chart = str(props["chart"]) ?? args.name;
    if (version === "") report(`Chart ${chart} has no version.`);
    else if (/[\^~*x><|]|\s-\s/.test(version.replace(/^v/, ""))) report(`Chart ${chart} uses the version range ${version}.`);
  }),
};
