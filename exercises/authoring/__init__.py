"""What instructors author: templates, generators, variant checks, problem sets, YAML."""
