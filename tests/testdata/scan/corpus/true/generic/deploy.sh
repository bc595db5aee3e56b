#!/bin/sh
export DB_PASSWORD='ro8bKoGiKwYGOL^&###%'
./migrate
