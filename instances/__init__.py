"""The shipped example instances, targets and actuals (package data of `capplan.examples`;
`capplan examples` lists them, and a command accepts a name such as `groningen-2024`)."""
