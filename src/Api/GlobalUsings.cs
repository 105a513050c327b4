global using System.ComponentModel.DataAnnotations;
global using Microsoft.Extensions.DependencyInjection.Extensions;
