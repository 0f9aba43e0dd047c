variable "chart_version" {
  type = string
}

variable "git_revision" {
  type = string
}

variable "env" {
  type = string
}

variable "python" {
  type = string
}

variable "hook_module" {
  type = string
}
