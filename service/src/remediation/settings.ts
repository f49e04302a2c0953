/**
 * Per-organisation settings of the remediation hand-off: where and how work items are filed in
 * Azure Boards. The PAT lives only here (service configuration), never in a request or an answer.
 */
import { Type, type Static } from '@sinclair/typebox';

/** One organisation the service may file work items in. */
export const RemediationOrganizationSchema = Type.Object(
  {
    /** Organisation (collection) URL as the reports name it, e.g. https://dev.azure.com/contoso. */
    organizationUrl: Type.String({ format: 'uri', pattern: '^https?://' }),
    /**
     * Where the service reaches this organisation's REST API when that differs from `organizationUrl`: a proxy, an
     * Azure DevOps Server reached by an internal name, or a stand-in. Work item links and the matching of runs to
     * this setting still use `organizationUrl`. Default: `organizationUrl`.
     */
    apiUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
    /** A PAT with the `Work Items: Read & write` scope. Never logged, never answered. */
    pat: Type.String({ minLength: 1 }),
    /** Work item type to file; default `Bug`. */
    workItemType: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /**
     * Area path of the work item; `{project}` is replaced by the project's name (`{project}\\Security`).
     * Default: unset, so Azure Boards puts it in the project's root area.
     */
    areaPath: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export type RemediationOrganization = Static<typeof RemediationOrganizationSchema>;

/** The work item type filed when an organisation names none. */
export const DEFAULT_WORK_ITEM_TYPE = 'Bug';

/** Where the REST API of `settings`' organisation is reached: its `apiUrl`, else its `organizationUrl`. */
export function apiUrlOf(settings: RemediationOrganization): string {
  return settings.apiUrl ?? settings.organizationUrl;
}
