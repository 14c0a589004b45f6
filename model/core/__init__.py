"""The linear programme, readable as maths: paths and lags, variables, constraint families,
milestones, objectives, the model context and its build, backends, the solve, results."""
