/**
 * Builds the Flink job's shaded jar during synthesis (the code asset of the Managed Flink application), with the
 * machine's Maven. Without Maven the asset falls back to CDK's Docker bundling in the maven image; without either,
 * synthesis stops here with a message that names Maven, instead of CDK's `spawnSync docker ENOENT`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const FLINK_JOB_DIR = join(__dirname, '..', '..', '..', 'jobs', 'flink');
export const FLINK_JAR = 'streamlake-flink-0.1.0.jar';

export const MAVEN_MISSING =
  'Maven (mvn) is not on PATH, and neither is Docker. Synthesizing the Flink job (architecture=kappa, or ' +
  'speedEngine=flink) builds its jar from jobs/flink with Maven 3.8+ and JDK 17 (README, Prerequisites): install ' +
  'Maven, or Docker to build it in the maven image.';

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const r = spawnSync(command, ['--version'], { env, stdio: 'ignore' });
  return !(r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT');
}

/**
 * Local bundling of the jar: true when it is in `outputDir`, false to let CDK bundle with Docker.
 * @param env the environment whose PATH is searched (tests pass one without Maven)
 */
export function buildJarLocally(outputDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    execFileSync('mvn', ['-q', '-B', 'package', '-DskipTests'], {
      cwd: FLINK_JOB_DIR,
      stdio: 'inherit',
      env,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (onPath('docker', env)) return false;
    throw new Error(MAVEN_MISSING);
  }
  const jar = join(FLINK_JOB_DIR, 'target', FLINK_JAR);
  if (!existsSync(jar)) throw new Error(`Maven finished but ${jar} is missing`);
  copyFileSync(jar, join(outputDir, FLINK_JAR));
  return true;
}
