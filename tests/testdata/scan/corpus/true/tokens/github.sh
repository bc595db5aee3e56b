#!/bin/sh
export GITHUB_TOKEN=ghp_5ITZRfBrgYQspmWj0QkMKK0fe1uJ7UJ0XlbL
gh release list
