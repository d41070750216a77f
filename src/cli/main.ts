#!/usr/bin/env node
/// <reference types="node" />
/** The `keras-parity` bin: `keras-parity run | backends | golden`, `keras-parity --help`. */
import { cli } from './cli.js';

process.exitCode = await cli(process.argv.slice(2));
