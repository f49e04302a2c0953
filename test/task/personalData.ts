/**
 * The personal data an agent hands every task, as the environment variables it sets, with
 * distinctive values: tests put them into a job's environment and check that none of them
 * comes out of the task (report, attachment, log).
 *
 * Which variables: the agent's own list of variables that carry personal data
 * (microsoft/azure-pipelines-agent, src/Agent.Worker/Variables.cs, `PiiVariables` and
 * `PiiArtifactVariableSuffixes`), less Build.SourceBranch and Build.SourceVersion, which the
 * report carries on purpose; the identities' ids and e-mail addresses and the commit message
 * beside them (MicrosoftDocs/azure-devops-docs, docs/pipelines/build/includes/variables-hosted.md:
 * Build.QueuedById, Build.RequestedForId, Build.SourceVersionMessage; docs/pipelines/release/variables.md:
 * Release.RequestedForEmail, Release.RequestedForId, Release.Deployment.RequestedForId,
 * Release.Artifacts.{alias}.RequestedForID, and the undocumented REQUESTEDFORID it lists).
 */
import { randomBytes } from 'node:crypto';

/** A job's personal variables and the marker that every one of their values contains. */
export interface PersonalData {
  /** Environment variable name → value; each value contains `marker`. */
  env: Record<string, string>;
  /** A random lowercase token in every value: finding it anywhere means a value leaked, even cut or reformatted. */
  marker: string;
}

/** Fresh distinctive values for every personal variable (a new marker each call). */
export function personalData(): PersonalData {
  const marker = `pii${randomBytes(4).toString('hex')}`;
  const name = `Mateo Escobedo ${marker}`;
  const email = `mateo.${marker}@fabrikam.example`;
  const id = (n: number) => `${marker}-0000-4000-8000-00000000000${n}`;
  return {
    marker,
    env: {
      BUILD_REQUESTEDFOR: name,
      BUILD_REQUESTEDFOREMAIL: email,
      BUILD_REQUESTEDFORID: id(1),
      BUILD_QUEUEDBY: `Queued ${name}`,
      BUILD_QUEUEDBYID: id(2),
      BUILD_AUTHORIZEAS: `Authorize ${name}`,
      JOB_AUTHORIZEAS: `Job ${name}`,
      BUILD_SOURCEVERSIONAUTHOR: `Author ${name}`,
      BUILD_SOURCEVERSIONMESSAGE: `Fix the login page (reported by ${email})`,
      SYSTEM_SOURCEVERSIONMESSAGE: `System copy: fix the login page (${email})`,
      RELEASE_REQUESTEDFOR: `Release ${name}`,
      RELEASE_REQUESTEDFOREMAIL: `release.${email}`,
      RELEASE_REQUESTEDFORID: id(3),
      RELEASE_DEPLOYMENT_REQUESTEDFOR: `Deployment ${name}`,
      RELEASE_DEPLOYMENT_REQUESTEDFOREMAIL: `deployment.${email}`,
      RELEASE_DEPLOYMENT_REQUESTEDFORID: id(4),
      RELEASE_ARTIFACTS_WEBAPI_REQUESTEDFOR: `Artifact ${name}`,
      RELEASE_ARTIFACTS_WEBAPI_REQUESTEDFORID: id(5),
      REQUESTEDFORID: id(6),
    },
  };
}

/** The variables among `data.env` whose value shows up in `text`, or the marker alone when only a piece of one does. */
export function leakedIn(text: string, data: PersonalData): string[] {
  const lower = text.toLowerCase();
  const whole = Object.entries(data.env)
    .filter(([, value]) => lower.includes(value.toLowerCase()))
    .map(([name]) => name);
  if (whole.length > 0) return whole;
  return lower.includes(data.marker) ? [`part of a value (marker ${data.marker})`] : [];
}
