// Node's own require, also under Jest: a Module of Node's, anchored at this file, loads outside Jest's
// module registry (whose require cannot load ES modules) and keeps what it loads for the whole process.
import { Module as NodeModule } from "module";

type NativeModule = { filename: string; paths: string[]; require(id: string): unknown };
const Native = NodeModule as unknown as { new (id: string): NativeModule; _nodeModulePaths(dir: string): string[]; _resolveFilename(request: string, parent: NativeModule): string };
const anchor = new Native(__filename);
anchor.filename = __filename;
anchor.paths = Native._nodeModulePaths(__dirname);

export const nativeRequire = Object.assign((id: string): unknown => anchor.require(id), { resolve: (id: string): string => Native._resolveFilename(id, anchor) });
