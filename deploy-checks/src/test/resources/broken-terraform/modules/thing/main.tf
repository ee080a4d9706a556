# Broken on purpose (TerraformTest): missing versions.tf and README.md, untyped and undescribed variables.
resource "null_resource" "thing" {}
