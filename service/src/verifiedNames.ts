/**
 * Which names of a report its sender vouches for. The authorization rule decides it
 * (`auth/authorizeReport.ts`) and the store keeps it (`store/`): a module of its own, so that
 * neither layer imports the other.
 */

/** Whether the sender of a report vouches for its project, pipeline and source repository names. */
export interface VerifiedNames {
  project: boolean;
  pipeline: boolean;
  sourceRepository: boolean;
}
