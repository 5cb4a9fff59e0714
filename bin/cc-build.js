#!/usr/bin/env node
import '../dist/builder/cli/main.js';
