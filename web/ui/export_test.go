package ui

// FormatSize is formatSize for the tests of package ui_test.
var FormatSize = formatSize
