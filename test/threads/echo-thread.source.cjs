// Test fixture: loads echo-thread.ts through tsx, as the app's *.source.cjs thread scripts do.
require('tsx/cjs');
require('./echo-thread.ts');
